// Where the source and build trees are, for the few tests that read files of
// the tree (meson_options.txt, headers) or run built programs. Defined in
// tests/test_paths.cpp from a header meson generates, so that only that one
// file per test executable depends on the checkout's absolute path (every
// other object is the same in every clone, and ccache shares it).
#pragma once

namespace sluice::test {

/// The source tree's root (absolute).
const char* source_dir() noexcept;

/// The build directory (absolute), e.g. for build_dir() + "/apps/sluice".
const char* build_dir() noexcept;

} // namespace sluice::test
