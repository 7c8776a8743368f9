// Namespaced key/value configuration held by the NameServer (ORDER_TOPIC_CONFIG and
// whatever admin tools store). In memory: every broker and admin re-supplies what it needs.

/** The namespace whose value per topic becomes the route's orderTopicConf. */
export const NAMESPACE_ORDER_TOPIC_CONFIG = 'ORDER_TOPIC_CONFIG';

export class KvConfigManager {
  readonly #table = new Map<string, Map<string, string>>();

  put(namespace: string, key: string, value: string): void {
    let ns = this.#table.get(namespace);
    if (ns === undefined) this.#table.set(namespace, (ns = new Map()));
    ns.set(key, value);
  }

  get(namespace: string, key: string): string | undefined {
    return this.#table.get(namespace)?.get(key);
  }

  delete(namespace: string, key: string): void {
    this.#table.get(namespace)?.delete(key);
  }

  /** The namespace as `{"table":{...}}` JSON, or undefined when it was never written. */
  listJson(namespace: string): Buffer | undefined {
    const ns = this.#table.get(namespace);
    if (ns === undefined) return undefined;
    return Buffer.from(JSON.stringify({ table: Object.fromEntries(ns) }), 'utf8');
  }
}
