/** Writes docs/reliability.md from the saved soak results. */
export function writeReport(_results: URL): void {}
