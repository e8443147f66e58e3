// The drawing pad of the studio's page and the static page: a canvas drawn on with a mouse, a pen
// or a finger (white on black, a round pen 20 px wide), the digit prepared as `predict` prepares
// a picture (data/prepare.ts) and shown in the small canvas of what the network sees (which the
// step view reads as the drawing), and a prediction's ten probabilities as bars. Both pages give
// its elements the same ids: draw-canvas, prepared, prediction, probabilities and clear.

import { prepareDigit } from '../data/prepare.js';
import { element } from './dom.js';

/** The side of the prepared digit, as MNIST's. */
const SIDE = 28;

function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

export class DrawingPad {
  private readonly canvas = byId<HTMLCanvasElement>('draw-canvas');
  private readonly context = this.canvas.getContext('2d', { willReadFrequently: true })!;
  private readonly prepared = byId<HTMLCanvasElement>('prepared');
  private readonly prediction = byId('prediction');
  private readonly bars = byId('probabilities');

  /** `changed` is called as a stroke is drawn and when it ends: the page classifies the digit. */
  constructor(changed: () => void) {
    let last: { x: number; y: number } | null = null;
    const point = (event: PointerEvent) => {
      const box = this.canvas.getBoundingClientRect();
      return {
        x: ((event.clientX - box.left) / box.width) * this.canvas.width,
        y: ((event.clientY - box.top) / box.height) * this.canvas.height,
      };
    };
    this.canvas.addEventListener('pointerdown', (event) => {
      this.canvas.setPointerCapture(event.pointerId);
      last = point(event);
    });
    this.canvas.addEventListener('pointermove', (event) => {
      if (!last) return;
      const next = point(event);
      this.context.strokeStyle = 'white';
      this.context.lineWidth = 20;
      this.context.lineCap = 'round';
      this.context.beginPath();
      this.context.moveTo(last.x, last.y);
      this.context.lineTo(next.x, next.y);
      this.context.stroke();
      last = next;
      changed();
    });
    const end = () => {
      last = null;
      changed();
    };
    this.canvas.addEventListener('pointerup', end);
    this.canvas.addEventListener('pointercancel', end);
    byId('clear').addEventListener('click', () => this.clear());
    this.clear();
  }

  /** The drawing prepared as the network sees it, and shown so; null while nothing is drawn. */
  digit(): Uint8Array | null {
    const { width, height } = this.canvas;
    const { data } = this.context.getImageData(0, 0, width, height);
    const pixels = new Uint8Array(width * height);
    let ink = false;
    for (let i = 0; i < pixels.length; i++) {
      pixels[i] = data[4 * i];
      if (pixels[i] > 0) ink = true;
    }
    if (!ink) return null;
    const input = prepareDigit({ width, height, pixels }, SIDE, SIDE);
    const image = new ImageData(SIDE, SIDE);
    input.pixels.forEach((value, i) => image.data.set([value, value, value, 255], 4 * i));
    this.prepared.getContext('2d')!.putImageData(image, 0, 0);
    return input.pixels;
  }

  /** A prediction of the digit: its label, and each class's probability as a bar. */
  showPrediction(label: string, probabilities: number[]): void {
    this.prediction.textContent = label;
    this.bars.replaceChildren(
      ...probabilities.map((p, c) => {
        const bar = element('span', { class: 'bar' });
        bar.style.width = `${Math.round(150 * p)}px`;
        return element('div', {}, element('span', {}, String(c)), bar, `${(100 * p).toFixed(2)}%`);
      }),
    );
  }

  clear(): void {
    this.context.fillStyle = 'black';
    this.context.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.prepared.getContext('2d')!.clearRect(0, 0, SIDE, SIDE);
    this.prediction.textContent = 'draw a digit';
    this.bars.replaceChildren();
  }
}
