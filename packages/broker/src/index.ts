// Public entry of @contrail/broker.
export {};
