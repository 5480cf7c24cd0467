/** A minimal event emitter (the domain and k8s layers do not import vscode). */
export type Listener<T> = (e: T) => void;

export class Emitter<T> {
  private listeners = new Set<Listener<T>>();
  event = (l: Listener<T>): { dispose(): void } => {
    this.listeners.add(l);
    return { dispose: () => this.listeners.delete(l) };
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch {
        /* a listener's failure must not break the others */
      }
    }
  }
  dispose(): void {
    this.listeners.clear();
  }
}
