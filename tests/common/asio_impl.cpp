// Asio's out-of-line definitions, compiled once for hakit's own test and benchmark programs.
#include <boost/asio/impl/src.hpp>
