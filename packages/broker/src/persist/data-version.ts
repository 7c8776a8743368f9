// RocketMQ's DataVersion: NameServers compare it to skip unchanged registrations.

export interface DataVersionJson {
  timestamp: number;
  counter: number;
}

export class DataVersion {
  timestamp = Date.now();
  counter = 0;

  next(): void {
    this.timestamp = Date.now();
    this.counter++;
  }

  assign(json: unknown): void {
    if (typeof json !== 'object' || json === null) return;
    const j = json as Partial<Record<keyof DataVersionJson, unknown>>;
    if (typeof j.timestamp === 'number') this.timestamp = j.timestamp;
    if (typeof j.counter === 'number') this.counter = j.counter;
  }

  toJSON(): DataVersionJson {
    return { timestamp: this.timestamp, counter: this.counter };
  }
}
