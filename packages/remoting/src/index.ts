// Public entry of @contrail/remoting.
export {};
