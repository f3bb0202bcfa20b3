// SharedSortedSet: the concrete domain's sets (domain.hpp). The transitions are written as pure
// functions over values (every `ite` and every set operation returns a new set), so the concrete
// run copies sets all the time: with std::set each copy allocated one node per element, and those
// copies were most of the side-by-side runner's time under AddressSanitizer (docs/decisions.md
// E35). Here the elements are a sorted vector shared by every copy: a copy is a reference count,
// and a change copies the vector once, and only when another copy still shares it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <utility>
#include <vector>

namespace ratchetcheck::model {

// SharedSortedSet<T> is a set of T (ordered by <, without duplicates) with std::set's reading
// interface (iteration in order, size, contains, lower_bound) and value semantics: changing one
// copy never changes another. Not thread-safe between threads that share a copy.
template <typename T>
class SharedSortedSet {
  public:
    using value_type = T;
    using const_iterator = typename std::vector<T>::const_iterator;
    using iterator = const_iterator;
    using const_reverse_iterator = typename std::vector<T>::const_reverse_iterator;

    SharedSortedSet() = default;
    SharedSortedSet(std::initializer_list<T> values)
        : SharedSortedSet(values.begin(), values.end()) {}
    // The elements of [first, last), in any order, duplicates dropped.
    template <typename Iterator>
    SharedSortedSet(Iterator first, Iterator last) {
        if (first == last)
            return;
        auto elements = std::make_shared<std::vector<T>>(first, last);
        std::sort(elements->begin(), elements->end());
        elements->erase(std::unique(elements->begin(), elements->end()), elements->end());
        elements_ = std::move(elements);
    }

    const_iterator begin() const { return elements().begin(); }
    const_iterator end() const { return elements().end(); }
    const_reverse_iterator rbegin() const { return elements().rbegin(); }
    const_reverse_iterator rend() const { return elements().rend(); }
    std::size_t size() const { return elements_ ? elements_->size() : 0; }
    bool empty() const { return size() == 0; }

    bool contains(const T& value) const { return std::binary_search(begin(), end(), value); }
    const_iterator lower_bound(const T& value) const {
        return std::lower_bound(begin(), end(), value);
    }

    // insert adds `value` (nothing if present); returns whether it was added.
    bool insert(const T& value) {
        const auto position = lower_bound(value);
        if (position != end() && !(value < *position))
            return false;
        const auto offset = position - begin();
        std::vector<T>& owned = own();
        owned.insert(owned.begin() + offset, value);
        return true;
    }
    template <typename... Arguments>
    bool emplace(Arguments&&... arguments) {
        return insert(T(std::forward<Arguments>(arguments)...));
    }
    // erase removes `value` if present; returns how many elements it removed (0 or 1).
    std::size_t erase(const T& value) {
        const auto position = lower_bound(value);
        if (position == end() || value < *position)
            return 0;
        const auto offset = position - begin();
        std::vector<T>& owned = own();
        owned.erase(owned.begin() + offset);
        return 1;
    }

    // Found by argument-dependent lookup, as for the standard containers.
    friend const_iterator begin(const SharedSortedSet& set) { return set.begin(); }
    friend const_iterator end(const SharedSortedSet& set) { return set.end(); }

    friend bool operator==(const SharedSortedSet& left, const SharedSortedSet& right) {
        return left.elements_ == right.elements_ ||
               std::equal(left.begin(), left.end(), right.begin(), right.end());
    }

  private:
    static const std::vector<T>& no_elements() {
        static const std::vector<T> empty;
        return empty;
    }
    const std::vector<T>& elements() const { return elements_ ? *elements_ : no_elements(); }
    // own returns the elements for a change: copied first unless this set is their only holder.
    std::vector<T>& own() {
        if (!elements_)
            elements_ = std::make_shared<std::vector<T>>();
        else if (elements_.use_count() > 1) {
            // Room for the element the caller is about to insert, so that it does not reallocate.
            auto copy = std::make_shared<std::vector<T>>();
            copy->reserve(elements_->size() + 1);
            copy->assign(elements_->begin(), elements_->end());
            elements_ = std::move(copy);
        }
        return *elements_;
    }

    std::shared_ptr<std::vector<T>> elements_;
};

}  // namespace ratchetcheck::model
