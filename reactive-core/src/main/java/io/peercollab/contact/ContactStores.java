// SPDX-License-Identifier: Apache-2.0
package io.peercollab.contact;

import java.nio.file.Path;

import io.peercollab.spi.ContactStore;
import io.r2dbc.spi.ConnectionFactory;

/**
 * The contact stores PeerCollab provides. Each passes the contract test every {@link ContactStore} runs; hand one to
 * {@code PeerCollaboration.builder().contactStore(..)}.
 */
public final class ContactStores {

	private ContactStores() {
	}

	/** @return a new store that keeps everything in memory and forgets it with the process */
	public static ContactStore inMemory() {
		return new io.peercollab.internal.store.InMemoryContactStore();
	}

	/**
	 * @param directory the directory holding the database file ({@code contacts.mv.db}); created if missing
	 * @return a store in an embedded H2 database file, created and migrated on first use
	 */
	public static ContactStore h2(Path directory) {
		return io.peercollab.internal.store.R2dbcContactStore.h2(directory);
	}

	/**
	 * @param connectionFactory any R2DBC connection factory; the schema is created and migrated on first use
	 * @return a store in that database
	 */
	public static ContactStore r2dbc(ConnectionFactory connectionFactory) {
		return new io.peercollab.internal.store.R2dbcContactStore(connectionFactory);
	}
}
