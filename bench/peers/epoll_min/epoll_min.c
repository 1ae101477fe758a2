// epoll-min: the yardstick peer for benchmarks, not part of the product.
//
// The least an echo server can do on Linux and still be correct: one
// edge-triggered epoll loop per thread, each with its own SO_REUSEPORT listener
// (so the loops share nothing), one 64 KiB buffer per loop (--buffer-size),
// non-blocking sockets. On readiness it reads until EAGAIN, writing back each read at once.
// A short write keeps the unsent tail in a per-connection heap buffer and stops
// reading that connection until the tail has gone out (EPOLLOUT), so no byte is
// dropped or reordered and memory per connection stays bounded. EOF or an error
// closes the connection. SIGINT/SIGTERM: exit 0 (the kernel closes the sockets).
//
// Build: gcc -std=c11 -O2 -pthread epoll_min.c -o epoll-min
// Usage: epoll-min [--listen HOST:PORT] [--threads N] [--buffer-size BYTES]
//   --buffer-size: the loop's read buffer, 64 KiB by default; K/KiB and M/MiB
//   suffixes (16K is the yardstick: one 16 KiB buffer per loop).
//   --spin-per-connection-us N: busy-wait N microseconds after each accept, an
//   artificial per-connection cost for checking that a churn benchmark sees
//   the server's cost (bench/results/2026-12-01-churn-cap/); default 0.

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_BUFFER_SIZE (64 * 1024)
#define MAX_BUFFER_SIZE (64 * 1024 * 1024)
#define MAX_EVENTS 256
#define MAX_THREADS 1024

static const char usage[] =
    "usage: epoll-min [--listen HOST:PORT] [--threads N] [--buffer-size BYTES]\n"
    "                 [--spin-per-connection-us N]";

// Bytes each loop reads at a time; set once by main before the loops start.
static size_t buffer_size = DEFAULT_BUFFER_SIZE;
// Microseconds of busy-waiting after each accept; set once by main.
static long spin_per_connection_us = 0;

static void spin_for_us(long us) {
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  do {
    clock_gettime(CLOCK_MONOTONIC, &now);
  } while ((now.tv_sec - start.tv_sec) * 1000000L + (now.tv_nsec - start.tv_nsec) / 1000L < us);
}

struct conn {
  int fd;
  char *tail;       // unsent bytes after a short write, or NULL
  size_t tail_len;  // bytes of tail still to send, from tail_off
  size_t tail_off;
};

static void die(const char *what) {
  fprintf(stderr, "epoll-min: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void usage_error(const char *message, const char *arg) {
  fprintf(stderr, "epoll-min: %s%s%s\n%s\n", message, arg ? " " : "", arg ? arg : "", usage);
  exit(2);
}

// HOST:PORT or [V6]:PORT, numeric host only.
static socklen_t parse_address(const char *text, struct sockaddr_storage *out) {
  char host[INET6_ADDRSTRLEN + 2];
  const char *colon = strrchr(text, ':');
  if (!colon || colon == text || (size_t)(colon - text) >= sizeof host) usage_error("bad address", text);
  memcpy(host, text, (size_t)(colon - text));
  host[colon - text] = '\0';
  char *end;
  unsigned long port = strtoul(colon + 1, &end, 10);
  if (colon[1] == '\0' || *end != '\0' || port > 65535) usage_error("bad address", text);

  memset(out, 0, sizeof *out);
  size_t len = strlen(host);
  if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
    host[len - 1] = '\0';
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)out;
    if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) != 1) usage_error("bad address", text);
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons((unsigned short)port);
    return sizeof *a6;
  }
  struct sockaddr_in *a4 = (struct sockaddr_in *)out;
  if (inet_pton(AF_INET, host, &a4->sin_addr) != 1) usage_error("bad address", text);
  a4->sin_family = AF_INET;
  a4->sin_port = htons((unsigned short)port);
  return sizeof *a4;
}

// BYTES with an optional K/KiB or M/MiB suffix, 1 to 64 MiB.
static size_t parse_bytes(const char *text) {
  char *end;
  unsigned long long n = strtoull(text, &end, 10);
  unsigned long long scale = 1;
  if (strcmp(end, "K") == 0 || strcmp(end, "KiB") == 0 || strcmp(end, "k") == 0) {
    scale = 1024;
  } else if (strcmp(end, "M") == 0 || strcmp(end, "MiB") == 0) {
    scale = 1024 * 1024;
  } else if (*end != '\0') {
    usage_error("bad buffer size", text);
  }
  if (end == text || text[0] == '-' || n == 0 || n > MAX_BUFFER_SIZE / scale)
    usage_error("bad buffer size (1 to 64M)", text);
  return (size_t)(n * scale);
}

static int make_listener(const struct sockaddr_storage *addr, socklen_t len) {
  int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  int one = 1;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
      setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0)
    die("setsockopt");
  if (bind(fd, (const struct sockaddr *)addr, len) < 0) die("bind");
  if (listen(fd, SOMAXCONN) < 0) die("listen");
  return fd;
}

static void close_conn(struct conn *c) {
  close(c->fd);  // also removes it from the epoll set
  free(c->tail);
  free(c);
}

// Sends the pending tail. Returns 1 when it has all gone, 0 on EAGAIN, -1 on error.
static int flush_tail(struct conn *c) {
  while (c->tail_len > 0) {
    ssize_t n = send(c->fd, c->tail + c->tail_off, c->tail_len, MSG_NOSIGNAL);
    if (n > 0) {
      c->tail_off += (size_t)n;
      c->tail_len -= (size_t)n;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      return 0;
    } else {
      return -1;
    }
  }
  free(c->tail);
  c->tail = NULL;
  c->tail_off = 0;
  return 1;
}

// Writes buf[0, len); on a short write keeps the rest as the tail.
// Returns 1 when all was written, 0 when a tail is pending, -1 on error.
static int write_or_keep(struct conn *c, const char *buf, size_t len) {
  size_t off = 0;
  while (off < len) {
    ssize_t n = send(c->fd, buf + off, len - off, MSG_NOSIGNAL);
    if (n > 0) {
      off += (size_t)n;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      c->tail = malloc(len - off);
      if (!c->tail) return -1;
      memcpy(c->tail, buf + off, len - off);
      c->tail_len = len - off;
      c->tail_off = 0;
      return 0;
    } else {
      return -1;
    }
  }
  return 1;
}

// Edge-triggered: drain everything the edge announced, or park on the tail.
static void on_ready(struct conn *c, uint32_t events, char *buf) {
  if (events & EPOLLERR) {
    close_conn(c);
    return;
  }
  if (c->tail) {
    int r = flush_tail(c);
    if (r < 0) {
      close_conn(c);
      return;
    }
    if (r == 0) return;  // still blocked: wait for the next EPOLLOUT edge
  }
  for (;;) {
    ssize_t n = recv(c->fd, buf, buffer_size, 0);
    if (n > 0) {
      int r = write_or_keep(c, buf, (size_t)n);
      if (r < 0) break;
      if (r == 0) return;  // stop reading until the tail is out
    } else if (n == 0) {
      break;  // EOF (everything read has been written back)
    } else if (errno == EINTR) {
      continue;
    } else if (errno == EAGAIN) {
      return;
    } else {
      break;
    }
  }
  close_conn(c);
}

static void accept_all(int epfd, int listener) {
  for (;;) {
    int fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN) perror("epoll-min: accept");  // e.g. EMFILE
      return;
    }
    if (spin_per_connection_us > 0) spin_for_us(spin_per_connection_us);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // like the project's server
    struct conn *c = calloc(1, sizeof *c);
    if (!c) {
      close(fd);
      continue;
    }
    c->fd = fd;
    // Both directions, once: edge-triggered, so EPOLLOUT only wakes us when the
    // send buffer frees up after a write hit EAGAIN, and no epoll_ctl(MOD) is needed.
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = c};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
      close_conn(c);
      continue;
    }
  }
}

static void *run_loop(void *arg) {
  char *buffer = malloc(buffer_size);  // one per loop, shared by its connections
  if (!buffer) die("malloc");
  int listener = (int)(intptr_t)arg;
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) die("epoll_create1");
  // The listener is level-triggered (data.ptr NULL): one accept batch per wakeup.
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, listener, &ev) < 0) die("epoll_ctl");

  struct epoll_event events[MAX_EVENTS];
  for (;;) {
    int n = epoll_wait(epfd, events, MAX_EVENTS, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait");
    }
    for (int i = 0; i < n; ++i) {
      if (events[i].data.ptr == NULL) {
        accept_all(epfd, listener);
      } else {
        on_ready(events[i].data.ptr, events[i].events, buffer);
      }
    }
  }
  return NULL;
}

static int default_threads(void) {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int)n : 1;
}

int main(int argc, char **argv) {
  const char *listen_text = "127.0.0.1:7878";
  int threads = default_threads();
  for (int i = 1; i < argc; ++i) {
    const char *arg = argv[i];
    const char *value = NULL;
    size_t name_len = strlen(arg);
    const char *eq = strchr(arg, '=');
    if (strncmp(arg, "--", 2) == 0 && eq) {
      name_len = (size_t)(eq - arg);
      value = eq + 1;
    }
#define IS(name) (name_len == strlen(name) && strncmp(arg, name, name_len) == 0)
    if (IS("-h") || IS("--help")) {
      puts(usage);
      return 0;
    }
    if (!IS("-l") && !IS("--listen") && !IS("-t") && !IS("--threads") && !IS("--buffer-size") &&
        !IS("--spin-per-connection-us"))
      usage_error("unknown argument", arg);
    if (!value) {
      if (i + 1 >= argc) usage_error("missing value for", arg);
      value = argv[++i];
    }
    if (IS("-l") || IS("--listen")) {
      listen_text = value;
    } else if (IS("--buffer-size")) {
      buffer_size = parse_bytes(value);
    } else if (IS("--spin-per-connection-us")) {
      char *end;
      long n = strtol(value, &end, 10);
      if (*value == '\0' || *end != '\0' || n < 0 || n > 1000000) usage_error("bad microseconds", value);
      spin_per_connection_us = n;
    } else {
      char *end;
      long n = strtol(value, &end, 10);
      if (*value == '\0' || *end != '\0' || n < 1 || n > MAX_THREADS) usage_error("bad thread count", value);
      threads = (int)n;
    }
#undef IS
  }

  struct sockaddr_storage addr;
  socklen_t addr_len = parse_address(listen_text, &addr);

  // With port 0, the first listener picks the port and the others join it.
  int listeners[MAX_THREADS];
  listeners[0] = make_listener(&addr, addr_len);
  socklen_t bound_len = sizeof addr;
  if (getsockname(listeners[0], (struct sockaddr *)&addr, &bound_len) < 0) die("getsockname");
  for (int i = 1; i < threads; ++i) listeners[i] = make_listener(&addr, addr_len);

  char host[INET6_ADDRSTRLEN];
  if (addr.ss_family == AF_INET6) {
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&addr;
    inet_ntop(AF_INET6, &a6->sin6_addr, host, sizeof host);
    printf("listening on [%s]:%u\n", host, ntohs(a6->sin6_port));
  } else {
    struct sockaddr_in *a4 = (struct sockaddr_in *)&addr;
    inet_ntop(AF_INET, &a4->sin_addr, host, sizeof host);
    printf("listening on %s:%u\n", host, ntohs(a4->sin_port));
  }
  fflush(stdout);

  // Block the stop signals in every thread; main waits for them with sigwait.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, NULL);

  for (int i = 0; i < threads; ++i) {
    pthread_t thread;
    int err = pthread_create(&thread, NULL, run_loop, (void *)(intptr_t)listeners[i]);
    if (err != 0) {
      errno = err;
      die("pthread_create");
    }
    pthread_detach(thread);
  }

  int sig;
  sigwait(&stop, &sig);
  return 0;
}
