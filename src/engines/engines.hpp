// Factories for the engines; engine.cpp picks one from the configuration.
#pragma once

#include <memory>

#include "engines/engine.hpp"

namespace echo {

std::unique_ptr<Engine> make_blocking_engine();
std::unique_ptr<Engine> make_threads_engine();
std::unique_ptr<Engine> make_epoll_engine(const ServerConfig& config);

}  // namespace echo
