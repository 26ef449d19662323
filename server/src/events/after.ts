/**
 * When a service's broadcasts go out. A command passes its ack's "after": the sender hears "done"
 * before anyone hears what changed. Services take it as a parameter and never know about sockets.
 */
export type After = (fn: () => void) => void;
/** For changes made outside a command (escalation, connections, signals): broadcast at once. */
export const immediately: After = (fn) => fn();
