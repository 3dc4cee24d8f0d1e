// Events: the EventBridge envelope and the outbox port.
export * from './event-envelope.js';
export * from './outbox.js';
