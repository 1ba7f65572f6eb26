// SPDX-License-Identifier: Apache-2.0
/**
 * Port mapping: asks the home or office gateway to forward an external TCP port to this endpoint's listening port,
 * with PCP (RFC 6887), NAT-PMP (RFC 6886) or UPnP-IGD (WANIPConnection over SSDP and SOAP), in that order, keeps the
 * mapping renewed and deletes it on close ({@link io.peercollab.internal.nat.mapping.PortMapper}).
 *
 * <p>Implementation, not API: anything here may change in any release. Public packages never import it.
 */
package io.peercollab.internal.nat.mapping;
