// Public entry of @contrail/common.
export {};
