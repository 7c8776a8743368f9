{
  "targets": [
    {
      "target_name": "contrail_store",
      "sources": ["drop-cache.c", "trim-memory.c", "promised-work.c", "crc32.c", "thread-sleeps.c", "mapped-file.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
