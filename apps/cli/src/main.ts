// The contrail command.
export {};
