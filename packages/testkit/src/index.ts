// Public entry of @contrail/testkit.
export {};
