// Preloaded into a CLI process by runCli's `measure` (node --import): at exit, writes the
// process's peak resident memory in kilobytes to the file MNIST_SOFTMAX_MAX_RSS_FILE names.
import { writeFileSync } from 'node:fs';
import process from 'node:process';

process.on('exit', () => {
  writeFileSync(process.env.MNIST_SOFTMAX_MAX_RSS_FILE, String(process.resourceUsage().maxRSS));
});
