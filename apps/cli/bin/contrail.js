#!/bin/sh
':' //; set -f; exec node --incremental-marking-soft-trigger=80 --incremental-marking-hard-trigger=90 --initial-old-space-size=64 --expose-gc $CONTRAIL_NODE_FLAGS "$0" "$@"
// The line above is for sh: run as a program (npx contrail, node_modules/.bin/contrail), this
// file re-executes itself in node with the V8 settings the servers want, in the same process
// (exec), much as RocketMQ's start scripts set their JVM's. To node, that line is a string and
// a comment. The settings: V8 starts marking the old generation whenever its free room is
// smaller than the young generation, which for a broker's small old generation means a full
// collection every few hundred ms at 10 k msgs/s; with these it starts at 80 % of the limit.
// The old generation's limit stays at 64 MiB instead of 29-38 MiB (V8 counts Buffer memory
// toward it, so a broker taking 300 k msgs/s ran a full collection every 40 ms); the
// maximum is unchanged. --expose-gc lets the broker collect once it goes idle after work
// (returnMemoryWhenIdle). CONTRAIL_NODE_FLAGS adds node flags (split at spaces, no quoting, no
// wildcards). See
// docs/broker.md. `node bin/contrail.js` runs without them.
import '../dist/src/main.js';
