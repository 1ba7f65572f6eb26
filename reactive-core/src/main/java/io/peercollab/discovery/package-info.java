/**
 * Near-me discovery: the {@link io.peercollab.discovery.Discovery} SPI and
 * {@link io.peercollab.discovery.MdnsDiscovery}, which announces and browses {@code _peercollab._tcp.local.} with
 * jmDNS.
 */
package io.peercollab.discovery;
