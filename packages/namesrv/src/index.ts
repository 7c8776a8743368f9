// Public entry of @contrail/namesrv.
export {};
