export type Toast = {
  id: number;
  message: string;
  tone: 'info' | 'error';
  action: { label: string; run: () => void } | null;
};

/** Short-lived notices; an action (e.g. Undo) keeps the toast up longer. */
export class Toasts {
  items = $state<Toast[]>([]);
  #next = 1;

  show(message: string, options: { tone?: Toast['tone']; action?: Toast['action']; ms?: number } = {}): number {
    const id = this.#next++;
    this.items = [...this.items, { id, message, tone: options.tone ?? 'info', action: options.action ?? null }];
    const ms = options.ms ?? (options.action ? 10_000 : 4_000);
    setTimeout(() => this.dismiss(id), ms);
    return id;
  }

  error(message: string): number {
    return this.show(message, { tone: 'error', ms: 8_000 });
  }

  dismiss(id: number): void {
    this.items = this.items.filter((t) => t.id !== id);
  }
}
