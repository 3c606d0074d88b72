{
  "targets": [{
    "target_name": "fleetq_native",
    "sources": [
      "native/addon/addon.cpp",
      "native/src/topology.cpp",
      "native/src/placement/filters.cpp",
      "native/src/placement/domains.cpp",
      "native/src/placement/fill.cpp",
      "native/src/placement/diagnose.cpp",
      "native/src/placement/pipeline.cpp",
      "native/src/ranks.cpp"
    ],
    "include_dirs": ["native/include", "<!(node -p \"require('node-addon-api').include_dir\")"],
    "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
    "cflags_cc": ["-std=c++17", "-O2"]
  }]
}
