// Start-up leaves garbage behind: the tokenizer's rank files are read and decoded (tens of MiB of
// short-lived strings), modules are compiled. V8 would collect it at some later point, so a bot at
// rest (and its peak under load) would carry it for a while. One full collection once the bot is
// started returns it at once: `npm start` and the image run node with --expose-gc for this call
// alone (elsewhere, e.g. `npm run chat`, gc is absent and nothing happens).
export function collectStartupGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
}
