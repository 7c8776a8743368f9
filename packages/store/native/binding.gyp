{
  "targets": [
    {
      "target_name": "contrail_store",
      "sources": ["drop-cache.c", "trim-memory.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
