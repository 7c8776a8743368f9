// Public entry of @contrail/store.
export {};
