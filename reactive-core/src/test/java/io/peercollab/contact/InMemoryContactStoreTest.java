package io.peercollab.contact;

import io.peercollab.internal.store.InMemoryContactStore;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link ContactStore#inMemory()} against the {@link ContactStoreContract}.
 */
class InMemoryContactStoreTest extends ContactStoreContract {

	@Override
	protected ContactStore newStore() {
		return ContactStore.inMemory();
	}

	@Test
	void theFactoryMakesAnInMemoryStore() {
		ContactStore another = ContactStore.inMemory();

		assertThat(another).isInstanceOf(InMemoryContactStore.class)
				.isNotSameAs(store());
		StepVerifier.create(another.close()).verifyComplete();
	}

	@Test
	void twoInMemoryStoresShareNothing() {
		ContactStore another = ContactStore.inMemory();

		StepVerifier.create(store().insert(contactOf(alice))).verifyComplete();

		StepVerifier.create(another.findAll()).verifyComplete();
		StepVerifier.create(another.close()).verifyComplete();
	}
}
