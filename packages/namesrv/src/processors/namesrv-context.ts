// What the NameServer's processors share.

import type { Logger } from '@contrail/common';
import type { KvConfigManager } from '../kv-config-manager.js';
import type { RouteInfoManager } from '../route-info-manager.js';

export interface NamesrvContext {
  readonly routes: RouteInfoManager;
  readonly kv: KvConfigManager;
  readonly now: () => number;
  readonly log: Logger;
}
