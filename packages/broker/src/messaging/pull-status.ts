// How a store read outcome becomes a pull outcome (RocketMQ's PullMessageProcessor table).
import type { GetMessageStatus } from '../store/message-store-port.js';
import type { PullStatus } from './pull-types.js';

export function pullStatusOf(status: GetMessageStatus, requestOffset: number): PullStatus {
  switch (status) {
    case 'FOUND':
      return 'FOUND';
    case 'MESSAGE_WAS_REMOVING':
    case 'NO_MATCHED_MESSAGE':
      return 'NO_MATCHED_MSG';
    case 'NO_MATCHED_LOGIC_QUEUE':
    case 'NO_MESSAGE_IN_QUEUE':
      // Asking an empty queue for offset 0 is normal; any other offset has moved.
      return requestOffset !== 0 ? 'OFFSET_ILLEGAL' : 'NO_NEW_MSG';
    case 'OFFSET_FOUND_NULL':
    case 'OFFSET_OVERFLOW_ONE':
      return 'NO_NEW_MSG';
    case 'OFFSET_OVERFLOW_BADLY':
    case 'OFFSET_TOO_SMALL':
      return 'OFFSET_ILLEGAL';
  }
}
