// Factories for the engines; engine.cpp picks one from the configuration.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "engines/engine.hpp"

namespace echo {

std::unique_ptr<Engine> make_blocking_engine();
std::unique_ptr<Engine> make_threads_engine();
std::unique_ptr<Engine> make_epoll_engine(const ServerConfig& config);
// Throws std::runtime_error("cannot use io_uring: <reason>") where the kernel or
// the sandbox does not allow it.
std::unique_ptr<Engine> make_uring_engine(const ServerConfig& config);
// Why io_uring cannot be used here, or nullopt if it can (probes the kernel).
std::optional<std::string> uring_unavailable_reason();

}  // namespace echo
