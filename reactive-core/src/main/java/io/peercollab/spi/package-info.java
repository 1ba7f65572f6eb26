// SPDX-License-Identifier: Apache-2.0
/**
 * Every SPI in one place, each with a contract test that every implementation runs:
 * <ul>
 * <li>{@link io.peercollab.spi.PeerTransport}: how endpoints carry typed requests to each other over a mutually
 * authenticated connection ({@code rsocket-transport} implements it over RSocket and TLS;
 * {@link io.peercollab.local.InMemoryPeerTransport} in memory, for tests);</li>
 * <li>{@link io.peercollab.spi.Discovery}: how an endpoint announces itself near me and finds others
 * ({@link io.peercollab.discovery.MdnsDiscovery});</li>
 * <li>{@link io.peercollab.spi.ContactStore}: where contacts and registrations are kept
 * ({@link io.peercollab.contact.ContactStores});</li>
 * <li>{@link io.peercollab.spi.PeerNameResolver} and {@link io.peercollab.spi.PeerNamePublisher}: where a
 * contact's addresses are found and this endpoint's are published ({@link io.peercollab.dht.MainlineDht}).</li>
 * </ul>
 * Users choose implementations and hand them to the builder; they do not call them.
 */
@NullMarked
package io.peercollab.spi;

import org.jspecify.annotations.NullMarked;
