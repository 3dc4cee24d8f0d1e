// Events: the EventBridge envelope, the outbox and delivery ports, and the dispatcher that feeds the sinks.
export * from './event-envelope.js';
export * from './outbox.js';
export * from './event-sink.js';
export * from './event-delivery-store.js';
export * from './event-dispatcher.js';
