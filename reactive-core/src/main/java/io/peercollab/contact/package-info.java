/**
 * Contact management: {@link io.peercollab.contact.PeerContact} values, the reactive
 * {@link io.peercollab.contact.ContactManager}, contact cards, and the {@link io.peercollab.contact.ContactStore} SPI
 * with its in-memory and R2DBC stores.
 */
package io.peercollab.contact;
