// snapshot/snapshot_file + fs_util: the raw header has the documented
// little-endian layout; readers say clearly what is wrong with a file that
// is not ours, from a newer version, of the other kind, or has trailing
// bytes; unreadable paths are io_errors that do not hang; an unfinished
// writer leaves no file behind.
#include "snapshot/fs_util.hpp"
#include "snapshot/snapshot_file.hpp"
#include "snapshot/state_file_reader.hpp"
#include "snapshot/state_file_writer.hpp"

#include "tests/snapshot/snapshot_test_util.hpp"

#include <boost/test/unit_test.hpp>

#include <cstring>

#include <sys/stat.h>

using namespace sluice;

namespace snapshot_file_test {

using namespace sluice::snapshot_test;
namespace sf = sluice::snapshot_format;

namespace {

std::string small_state_image(std::string name = "mem.state") {
  auto w = state_file_writer::to_memory(std::move(name), {"op", 1, 8, {2, 3}});
  w.add_keyed_entry({"s", 7, state_kind::value}, 2, "k", "v");
  w.finish();
  return w.take_bytes();
}

/// The error `f` throws; fails the test when it throws nothing.
template <class F>
sluice::exception error_of(F&& f) {
  try {
    f();
  } catch (const sluice::exception& e) {
    return e;
  }
  BOOST_FAIL("no sluice::exception thrown");
  return sluice::exception{ec::none, ""};
}

} // namespace

BOOST_AUTO_TEST_SUITE(snapshot_file)

BOOST_AUTO_TEST_CASE(header_layout_is_little_endian_and_documented) {
  auto image = small_state_image();
  BOOST_REQUIRE_GT(image.size(), sf::header_size);
  BOOST_CHECK(std::memcmp(image.data(), "\x89SLC\r\n\x1a\n", 8) == 0);
  BOOST_CHECK_EQUAL(get_u32(image, sf::version_offset), 1u);
  BOOST_CHECK_EQUAL(get_u32(image, sf::kind_offset), 2u);
  uint64_t length = get_u32(image, sf::body_length_offset)
                    | (uint64_t{get_u32(image, sf::body_length_offset + 4)} << 32);
  BOOST_CHECK_EQUAL(length, image.size() - sf::header_size);
  BOOST_CHECK_EQUAL(length % 8, 0u);
  BOOST_CHECK_EQUAL(get_u32(image, sf::body_crc_offset),
                    crc32c(std::string_view{image}.substr(sf::header_size)));
  BOOST_CHECK_EQUAL(get_u32(image, sf::header_crc_offset), crc32c(image.data(), 28));
}

BOOST_AUTO_TEST_CASE(reader_options_are_explicit) {
  auto options = snapshot_reader_options();
  BOOST_CHECK_EQUAL(options.traversalLimitInWords, sf::max_message_bytes / 8);
  BOOST_CHECK_EQUAL(options.nestingLimit, sf::nesting_limit);
  // Per message: twice its size plus slack, so small files cannot amplify.
  BOOST_CHECK_EQUAL(snapshot_reader_options(100).traversalLimitInWords, 2 * 100 + 1024u);
  BOOST_CHECK_EQUAL(snapshot_reader_options(100).nestingLimit, 16);
  // Every chunk stays far below the limit.
  BOOST_CHECK_LT(sf::chunk_target_bytes + sf::max_item_bytes, sf::max_message_bytes / 2);
}

BOOST_AUTO_TEST_CASE(wrong_magic_says_not_a_snapshot_file) {
  auto image = small_state_image();
  image[1] = 'X';
  auto e = error_of([&] { load_state_bytes(image, "x.state"); });
  BOOST_CHECK(e.code() == ec::corrupt_file);
  BOOST_CHECK_EQUAL(std::string{e.what()},
                    "x.state: not a sluice snapshot file (bad magic number)");
  auto text = error_of([&] { load_state_bytes("hello world, not a snapshot", "t.txt"); });
  BOOST_CHECK_EQUAL(std::string{text.what()},
                    "t.txt: not a sluice snapshot file (bad magic number)");
}

BOOST_AUTO_TEST_CASE(future_version_says_newer) {
  auto image = small_state_image();
  put_u32(image, sf::version_offset, 2);
  reseal_header(image);
  auto e = error_of([&] { load_state_bytes(image, "chk-9/op.state"); });
  BOOST_CHECK(e.code() == ec::corrupt_file);
  BOOST_CHECK_EQUAL(std::string{e.what()},
                    "chk-9/op.state: format version 2 is newer than this build reads (up to "
                    "1); use a newer sluice");
  // Also when the rest of the header has an unknown layout (CRC wrong).
  put_u32(image, sf::header_crc_offset, 0);
  BOOST_CHECK(std::string{error_of([&] { load_state_bytes(image, "f"); }).what()}.find(
                "is newer") != std::string::npos);
  put_u32(image, sf::version_offset, 0);
  reseal_header(image);
  BOOST_CHECK_EQUAL(std::string{error_of([&] { load_state_bytes(image, "f"); }).what()},
                    "f: unsupported format version 0");
}

BOOST_AUTO_TEST_CASE(wrong_kind_is_named) {
  auto image = small_state_image();
  auto e = error_of([&] {
    read_snapshot_messages(image, "_metadata", snapshot_file_kind::metadata,
                           [](capnp::MessageReader&, size_t) {});
  });
  BOOST_CHECK_EQUAL(std::string{e.what()},
                    "_metadata: is a state file, expected a metadata file");
  put_u32(image, sf::kind_offset, 77);
  reseal_header(image);
  BOOST_CHECK_EQUAL(std::string{error_of([&] { load_state_bytes(image, "f"); }).what()},
                    "f: unknown file kind 77");
}

BOOST_AUTO_TEST_CASE(length_problems_are_named) {
  auto image = small_state_image();
  auto longer = image + std::string(8, '\0');
  BOOST_CHECK_EQUAL(std::string{error_of([&] { load_state_bytes(longer, "f"); }).what()},
                    "f: 8 unexpected bytes after the body");
  auto shorter = image.substr(0, image.size() - 8);
  BOOST_CHECK(std::string{error_of([&] { load_state_bytes(shorter, "f"); }).what()}.starts_with(
    "f: truncated: header announces "));
  BOOST_CHECK_EQUAL(std::string{error_of([&] { load_state_bytes("", "f"); }).what()},
                    "f: empty file");
  BOOST_CHECK_EQUAL(
    std::string{error_of([&] { load_state_bytes(image.substr(0, 20), "f"); }).what()},
    "f: truncated header (20 of 32 bytes)");
  // A body that is not whole words, resealed.
  auto odd = image + "abc";
  reseal(odd);
  BOOST_CHECK_EQUAL(std::string{error_of([&] { load_state_bytes(odd, "f"); }).what()},
                    "f: body length " + std::to_string(odd.size() - 32)
                      + " is not a multiple of 8");
  auto empty_body = image.substr(0, sf::header_size);
  reseal(empty_body);
  BOOST_CHECK_EQUAL(std::string{error_of([&] { load_state_bytes(empty_body, "f"); }).what()},
                    "f: empty body");
}

BOOST_AUTO_TEST_CASE(misaligned_image_is_read) {
  auto image = small_state_image();
  std::string buffer(image.size() + 1, '\0');
  std::memcpy(buffer.data() + 1, image.data(), image.size());
  auto contents = load_state_bytes(std::string_view{buffer}.substr(1), "odd");
  BOOST_REQUIRE_EQUAL(contents.keyed.size(), 1u);
  BOOST_CHECK_EQUAL(contents.keyed[0].value, "v");
}

BOOST_AUTO_TEST_CASE(unreadable_paths_are_io_errors_naming_the_path) {
  scratch_dir dir;
  auto missing = error_of([&] { load_state_file(dir / "nope.state"); });
  BOOST_CHECK(missing.code() == ec::io_error);
  BOOST_CHECK(std::string{missing.what()}.starts_with((dir / "nope.state").string() + ": "));
  auto directory = error_of([&] { load_state_file(dir.path()); });
  BOOST_CHECK(directory.code() == ec::io_error);
  BOOST_CHECK_EQUAL(std::string{directory.what()}, dir.path().string() + ": not a regular file");
  // A FIFO without a writer: refused at once instead of blocking in open().
  auto fifo = dir / "fifo";
  BOOST_REQUIRE_EQUAL(::mkfifo(fifo.c_str(), 0600), 0);
  auto e = error_of([&] { load_state_file(fifo); });
  BOOST_CHECK(e.code() == ec::io_error);
  BOOST_CHECK_EQUAL(std::string{e.what()}, fifo.string() + ": not a regular file");
}

BOOST_AUTO_TEST_CASE(file_and_memory_writers_write_the_same_bytes) {
  scratch_dir dir;
  auto path = dir / "a.state";
  auto w = state_file_writer::to_file(path, {"op", 1, 8, {2, 3}});
  w.add_keyed_entry({"s", 7, state_kind::value}, 2, "k", "v");
  auto size = w.finish();
  BOOST_CHECK_EQUAL(size, fs::file_size(path));
  BOOST_CHECK(slurp(path) == small_state_image());
}

BOOST_AUTO_TEST_CASE(unfinished_writer_removes_its_file) {
  scratch_dir dir;
  auto path = dir / "partial.state";
  {
    auto w = state_file_writer::to_file(path, {"op", 0, 8, {0, 7}}, 64);
    for (int i = 0; i < 100; ++i)
      w.add_keyed_entry({"s", 1, state_kind::value}, 3, "key" + std::to_string(i), "value");
    BOOST_CHECK(fs::exists(path));
  }
  BOOST_CHECK(!fs::exists(path));
}

BOOST_AUTO_TEST_CASE(writer_in_missing_directory_is_io_error) {
  scratch_dir dir;
  auto path = dir / "no-such-dir" / "x.state";
  auto e = error_of([&] { state_file_writer::to_file(path, {"op", 0, 8, {0, 7}}); });
  BOOST_CHECK(e.code() == ec::io_error);
  BOOST_CHECK(std::string{e.what()}.starts_with(path.string() + ": cannot create: "));
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace snapshot_file_test
