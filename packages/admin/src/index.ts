// Public entry of @contrail/admin.
export {};
