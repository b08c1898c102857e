// session.json texts an instance read under a session's lease or wrote itself, each with the state
// version the registry gave it (farm-registry.ts): reused while the registry still says that
// version, so a packet does not read the file again. Bounded: a session another instance ended is
// forgotten when looked up again, or pushed out here by newer ones.

/** More sessions than this in memory: the oldest entries go (they are reread when next used). */
const MAX_ENTRIES = 10_000;

export class StateCache {
  private readonly entries = new Map<string, { version: number; text: string }>();

  /** The text saved as `version`, or undefined when this instance holds another one (or none). */
  get(id: string, version: number): string | undefined {
    const e = this.entries.get(id);
    return e && e.version === version ? e.text : undefined;
  }

  set(id: string, version: number, text: string): void {
    this.entries.delete(id); // to the end: the Map's order is the eviction order
    this.entries.set(id, { version, text });
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
  }

  forget(id: string): void {
    this.entries.delete(id);
  }

  clear(): void {
    this.entries.clear();
  }
}
