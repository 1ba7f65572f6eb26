// SPDX-License-Identifier: Apache-2.0
/**
 * The optional Micrometer binding of {@link io.peercollab.CollaborationObserver}: meters in the Reactor Netty style
 * ({@code peercollab.invitations.sent}, {@code peercollab.connections.active}, ...). Micrometer is an optional
 * dependency of the core: a user of this package adds {@code io.micrometer:micrometer-core}; nothing else in the
 * library loads it.
 */
package io.peercollab.micrometer;
