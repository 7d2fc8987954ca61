/* SPDX-License-Identifier: MIT */
/*
 * Intrusive doubly linked lists for libtp's internals: the executor's
 * queue of pending futures and each future's list of waiters.  A list is
 * a head node whose prev/next point at itself when empty; elements embed a
 * struct tp__link.  Nothing here locks or allocates: callers hold the lock
 * that guards the list they touch.
 */
#ifndef TP_QUEUE_H
#define TP_QUEUE_H

#include <stddef.h>

struct tp__link {
	struct tp__link *prev;
	struct tp__link *next;
};

/* The struct of type `type` whose member `member` is the link at ptr. */
#define tp__container(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

static inline void
tp__list_init(struct tp__link *head)
{
	head->prev = head;
	head->next = head;
}

static inline int
tp__list_empty(const struct tp__link *head)
{
	return head->next == head;
}

static inline void
tp__list_push_back(struct tp__link *head, struct tp__link *l)
{
	l->prev = head->prev;
	l->next = head;
	head->prev->next = l;
	head->prev = l;
}

/* Unlink l and make it point at itself, so that unlinking twice is safe. */
static inline void
tp__list_remove(struct tp__link *l)
{
	l->prev->next = l->next;
	l->next->prev = l->prev;
	l->prev = l;
	l->next = l;
}

static inline struct tp__link *
tp__list_pop_front(struct tp__link *head)
{
	struct tp__link *l;

	if (tp__list_empty(head))
		return NULL;
	l = head->next;
	tp__list_remove(l);
	return l;
}

#endif /* TP_QUEUE_H */
