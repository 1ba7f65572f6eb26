/**
 * The {@link io.peercollab.spi.PeerTransport} SPI: how endpoints carry typed requests to each other over a
 * mutually authenticated connection. {@code rsocket-transport} implements it over RSocket and TLS; the core ships an
 * in-memory implementation for tests. Users choose a transport; they do not call it.
 */
package io.peercollab.spi;
