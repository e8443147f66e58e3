// The choices `--kernels` accepts (a module of its own, as engineNames.ts: the option schema,
// which the studio's page shares, needs the names, not the engine). kernelChoice.ts says what
// each runs.
export const KERNEL_CHOICES = ['auto', 'exact', 'relaxed'] as const;
export type KernelChoice = (typeof KERNEL_CHOICES)[number];
/** The kernels that ran: what a run records (metrics.json) and bench prints. */
export type KernelsName = Exclude<KernelChoice, 'auto'>;
