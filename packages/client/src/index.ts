// Public entry of @contrail/client.
export {};
