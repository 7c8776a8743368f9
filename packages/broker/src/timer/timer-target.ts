// Arbitrary delivery times on the send path (RocketMQ 5's timer messages): a message with
// TIMER_DELIVER_MS, TIMER_DELAY_SEC, TIMER_DELAY_MS or Aliyun's __STARTDELIVERTIME, due in the
// future, is stored in rmq_sys_wheel_timer queue 0 with its due time in TIMER_OUT_MS and its
// destination in REAL_TOPIC / REAL_QID; the timer service delivers it. A DELAY level wins over
// timer properties (they are dropped), as in RocketMQ.
import { Prop, SysFlag, transactionType, type Properties } from '@contrail/common';
import { fail } from '../messaging/fail.js';

export const TIMER_TOPIC = 'rmq_sys_wheel_timer';
/** The exact due time (ms); unlike RocketMQ it is not rounded down, so nothing is early. */
export const TIMER_OUT_MS = 'TIMER_OUT_MS';
export const TIMER_ENQUEUE_MS = 'TIMER_ENQUEUE_MS';
export const TIMER_DEQUEUE_MS = 'TIMER_DEQUEUE_MS';

export interface TimerSettings {
  timerWheelEnable: boolean;
  timerMaxDelaySec: number;
}

/** The due time a message asks for, or undefined when it asks for none. */
export function requestedDeliverTime(props: Properties, now: number): number | undefined {
  const num = (name: string): number | undefined => {
    const v = props[name];
    if (v === undefined) return undefined;
    const n = Number(v.trim());
    if (v.trim().length === 0 || !Number.isSafeInteger(n)) fail('MESSAGE_ILLEGAL', `timer property ${name} is not an integer: ${JSON.stringify(v)}`);
    return n;
  };
  const sec = num(Prop.TIMER_DELAY_SEC);
  if (sec !== undefined) return now + sec * 1000;
  const ms = num(Prop.TIMER_DELAY_MS);
  if (ms !== undefined) return now + ms;
  return num(Prop.TIMER_DELIVER_MS) ?? num(Prop.START_DELIVER_TIME);
}

export function timerTarget<T extends { topic: string; queueId: number; props: Properties }>(target: T, sysFlag: number, s: TimerSettings, now = Date.now()): T {
  const type = transactionType(sysFlag);
  if (type !== SysFlag.TRANSACTION_NOT_TYPE && type !== SysFlag.TRANSACTION_COMMIT_TYPE) return target;
  if (target.topic === TIMER_TOPIC || target.props[TIMER_OUT_MS] !== undefined) return target;
  const level = Number(target.props[Prop.DELAY] ?? 0);
  if (Number.isInteger(level) && level > 0) {
    const props = { ...target.props };
    for (const p of [Prop.TIMER_DELIVER_MS, Prop.TIMER_DELAY_SEC, Prop.TIMER_DELAY_MS]) delete props[p];
    return { ...target, props };
  }
  const onlyAliyun = target.props[Prop.TIMER_DELIVER_MS] === undefined && target.props[Prop.TIMER_DELAY_SEC] === undefined && target.props[Prop.TIMER_DELAY_MS] === undefined;
  // __STARTDELIVERTIME is a hint older brokers ignore; a broker without the timer ignores it too.
  if (!s.timerWheelEnable && onlyAliyun) return target;
  const due = requestedDeliverTime(target.props, now);
  if (due === undefined || due <= now) return target;
  if (!s.timerWheelEnable) fail('MESSAGE_ILLEGAL', 'timer messages are not enabled on this broker (timerWheelEnable=false)');
  if (due - now > s.timerMaxDelaySec * 1000) {
    fail('MESSAGE_ILLEGAL', `the delivery time is ${Math.round((due - now) / 1000)} s ahead, over timerMaxDelaySec ${s.timerMaxDelaySec}`);
  }
  const props = { ...target.props, [TIMER_OUT_MS]: String(due), [Prop.REAL_TOPIC]: target.topic, [Prop.REAL_QID]: String(target.queueId) };
  return { ...target, topic: TIMER_TOPIC, queueId: 0, props };
}
