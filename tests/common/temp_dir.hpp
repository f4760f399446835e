// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
// A unique directory under the system temp directory for one test, removed with everything in it.
#ifndef HAKIT_TESTS_COMMON_TEMP_DIR_HPP
#define HAKIT_TESTS_COMMON_TEMP_DIR_HPP

#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>

#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace hakit_test {

class temp_dir
{
public:
    /// `<temp>/<prefix><random uuid>`, created now.
    explicit temp_dir(std::string_view prefix = "hakit-test-")
        : path_(
              std::filesystem::temp_directory_path() /
              (std::string(prefix) + boost::uuids::to_string(boost::uuids::random_generator()()))
          )
    {
        std::filesystem::create_directories(path_);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    ~temp_dir()
    {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }

    const std::filesystem::path& path() const noexcept { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

}  // namespace hakit_test

#endif
