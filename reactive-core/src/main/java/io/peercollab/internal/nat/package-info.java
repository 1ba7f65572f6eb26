// SPDX-License-Identifier: Apache-2.0
/**
 * Where this endpoint stands on the network, and how to get past it: a STUN client (RFC 5389 binding requests over
 * UDP) that learns the endpoint's reflexive (mapped) address, the NAT behaviour discovery of RFC 5780 (mapping and
 * filtering) built on it, a TURN client for TCP relays (RFC 8656 with RFC 6062) whose bound data connections are
 * raw byte pipes for the transport's own TLS, and TCP hole punching ({@link io.peercollab.internal.nat.TcpHolePunch}:
 * the TCP mapping of a local port by a STUN binding over TCP, then listening and simultaneous open from that port).
 *
 * <p>Implementation, not API: anything here may change in any release. Public packages never import it.
 */
package io.peercollab.internal.nat;
