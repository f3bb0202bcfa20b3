#!/bin/bash -eu
# ClusterFuzzLite runs this with the OSS-Fuzz build contract; the build itself is shared with the
# OSS-Fuzz project files (ci/oss-fuzz/build.sh), so the two engines build the same targets.
exec "$SRC/ratchetcheck/ci/oss-fuzz/build.sh"
