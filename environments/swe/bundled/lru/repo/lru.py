"""A least-recently-used cache with a fixed capacity."""

from collections import OrderedDict


class LRUCache:
    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._items: OrderedDict = OrderedDict()

    def get(self, key, default=None):
        """The value stored for key (and mark it as recently used), or default."""
        return self._items.get(key, default)

    def put(self, key, value) -> None:
        """Store value for key, evicting the least recently used entry when full."""
        self._items[key] = value
        self._items.move_to_end(key)
        if len(self._items) > self.capacity:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)
