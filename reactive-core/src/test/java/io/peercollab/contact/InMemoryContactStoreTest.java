// SPDX-License-Identifier: Apache-2.0
package io.peercollab.contact;

import io.peercollab.internal.store.InMemoryContactStore;
import io.peercollab.spi.ContactStore;
import io.peercollab.spi.ContactStoreContract;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link ContactStores#inMemory()} against the {@link ContactStoreContract}.
 */
class InMemoryContactStoreTest extends ContactStoreContract {

	@Override
	protected ContactStore newStore() {
		return ContactStores.inMemory();
	}

	@Test
	void theFactoryMakesAnInMemoryStore() {
		ContactStore another = ContactStores.inMemory();

		assertThat(another).isInstanceOf(InMemoryContactStore.class)
				.isNotSameAs(store());
		StepVerifier.create(another.close()).verifyComplete();
	}

	@Test
	void twoInMemoryStoresShareNothing() {
		ContactStore another = ContactStores.inMemory();

		StepVerifier.create(store().insert(contactOf(alice))).verifyComplete();

		StepVerifier.create(another.findAll()).verifyComplete();
		StepVerifier.create(another.close()).verifyComplete();
	}
}
