"""Stock levels per item."""


class Stock:
    def __init__(self):
        self.items = {}

    def add(self, name, count):
        self.items[name] = self.items.get(name, 0) + count

    def remove(self, name, count):
        self.items[name] = self.items[name] - count

    def count(self, name):
        return self.items[name]

    def names(self):
        names = []
        for name in self.items:
            names.append(name)
        names.sort()
        return names

    def total(self):
        total = 0
        for name in self.items:
            total = total + self.items[name]
        return total
