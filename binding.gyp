{
  "targets": [{
    "target_name": "fleetq_native",
    "sources": [
      "<!@(cat native/addon-sources.txt native/core-sources.txt)"
    ],
    "include_dirs": ["native/include", "<!(node -p \"require('node-addon-api').include_dir\")"],
    "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
    "cflags_cc": ["-std=c++17", "-O2"]
  }, {
    "target_name": "fleetq-shepherd",
    "type": "executable",
    "sources": ["native/shepherd/shepherd.c"],
    "cflags": ["-O2", "-Wall", "-Wextra"]
  }]
}
