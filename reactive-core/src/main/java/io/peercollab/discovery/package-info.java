// SPDX-License-Identifier: Apache-2.0
/**
 * Near-me discovery: {@link io.peercollab.discovery.MdnsDiscovery}, which implements the
 * {@link io.peercollab.spi.Discovery} SPI by announcing and browsing {@code _peercollab._tcp.local.} with jmDNS.
 */
@NullMarked
package io.peercollab.discovery;

import org.jspecify.annotations.NullMarked;
