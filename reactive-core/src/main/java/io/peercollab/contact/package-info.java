// SPDX-License-Identifier: Apache-2.0
/**
 * Contact management: {@link io.peercollab.contact.PeerContact} values, the reactive
 * {@link io.peercollab.contact.ContactManager}, contact cards, and the stores PeerCollab provides
 * ({@link io.peercollab.contact.ContactStores}) for the {@link io.peercollab.spi.ContactStore} SPI.
 */
@NullMarked
package io.peercollab.contact;

import org.jspecify.annotations.NullMarked;
