//! [`HugePageVec`]: a growable array in memory of its own, asked to be backed by huge
//! pages (2 MiB on x86_64 Linux).
//!
//! Tables of per-actor state are read at random, one entry per event. On a population
//! of 150k actors they span tens of MiB, so with 4 KiB pages nearly every such read
//! also misses the TLB and walks the page tables; with 2 MiB pages a dozen TLB entries
//! cover the table. Linux backs memory with (transparent) huge pages where asked to with
//! `madvise`, the default mode, but only where the memory was never touched before:
//! memory the allocator hands out again keeps its 4 KiB pages. So each array is a fresh
//! anonymous mapping of its own, aligned to 2 MiB, asked for huge pages before its
//! first write. Elsewhere than Linux the request is left out and it is a plain mapping.

use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};
use std::ptr::NonNull;

use memmap2::MmapMut;

/// The huge page size the mapping is aligned to.
const HUGE_PAGE: usize = 2 << 20;
/// Elements room is made for at first.
const MIN_CAPACITY: usize = 1024;

/// A growable array of `T`, like a `Vec`, in a memory mapping of its own (see the
/// module doc). Growth doubles the room and moves the elements to a new mapping.
pub struct HugePageVec<T> {
    /// The mapping, `None` before the first element.
    map: Option<MmapMut>,
    /// The first element, at the first 2 MiB boundary of the mapping when it is larger
    /// than 2 MiB; dangling without a mapping.
    start: NonNull<T>,
    len: usize,
    capacity: usize,
    _owns: PhantomData<T>,
}

// SAFETY: the vector owns its elements as a `Vec` does; the raw pointer only points into
// its own mapping.
unsafe impl<T: Send> Send for HugePageVec<T> {}
// SAFETY: shared access hands out `&T` only, as a `Vec` does.
unsafe impl<T: Sync> Sync for HugePageVec<T> {}

impl<T> Default for HugePageVec<T> {
    fn default() -> Self {
        const {
            assert!(
                size_of::<T>() > 0,
                "no room is mapped for zero-sized elements"
            )
        };
        HugePageVec {
            map: None,
            start: NonNull::dangling(),
            len: 0,
            capacity: 0,
            _owns: PhantomData,
        }
    }
}

impl<T> HugePageVec<T> {
    /// An empty vector with room for `capacity` elements.
    fn with_capacity(capacity: usize) -> Self {
        let mut vec = Self::default();
        if capacity > 0 {
            vec.remap(capacity);
        }
        vec
    }

    /// Appends `value`, doubling the room first when it is full.
    #[inline]
    pub fn push(&mut self, value: T) {
        if self.len == self.capacity {
            self.grow();
        }
        // SAFETY: `len < capacity`, so the slot lies within the mapping, unused.
        unsafe { self.start.as_ptr().add(self.len).write(value) };
        self.len += 1;
    }

    #[cold]
    fn grow(&mut self) {
        self.remap((2 * self.capacity).max(MIN_CAPACITY));
    }

    /// Moves the elements to a new mapping with room for `capacity` (at least `len`).
    fn remap(&mut self, capacity: usize) {
        let room = capacity
            .checked_mul(size_of::<T>())
            .expect("the room asked for fits the address space");
        // Room smaller than a huge page is neither aligned nor asked for huge pages: a
        // small table would be given a whole one.
        let huge = room >= HUGE_PAGE;
        let bytes = room + if huge { HUGE_PAGE } else { 0 };
        let mut map = MmapMut::map_anon(bytes).unwrap_or_else(|_| {
            let layout = std::alloc::Layout::from_size_align(bytes, HUGE_PAGE);
            std::alloc::handle_alloc_error(layout.expect("a valid layout"))
        });
        let address = map.as_mut_ptr() as usize;
        let offset = match huge {
            true => address.next_multiple_of(HUGE_PAGE) - address,
            false => 0,
        };
        #[cfg(target_os = "linux")]
        if huge {
            // A hint: refused where the system has no transparent huge pages, and then
            // the memory is what it would be anyway.
            let _ = map.advise(memmap2::Advice::HugePage);
        }
        // Mappings are page-aligned, so `start` is aligned for any `T` whose alignment
        // is at most a page.
        const { assert!(align_of::<T>() <= 4096, "elements aligned within a page") };
        // SAFETY: `offset + capacity * size_of::<T>()` lies within the mapping.
        let start = unsafe { map.as_mut_ptr().add(offset) }.cast::<T>();
        if self.len > 0 {
            // SAFETY: the old elements are moved bitwise, once, into unused room of the
            // new mapping, and `len` keeps counting them there; the old mapping is
            // unmapped without dropping them.
            unsafe { start.copy_from_nonoverlapping(self.start.as_ptr(), self.len) };
        }
        self.start = NonNull::new(start).expect("a mapping is never at address 0");
        self.map = Some(map);
        self.capacity = capacity;
    }
}

impl<T> Deref for HugePageVec<T> {
    type Target = [T];

    #[inline]
    fn deref(&self) -> &[T] {
        // SAFETY: the first `len` elements are initialised, and `start` is aligned and
        // non-null (dangling only when `len` is 0).
        unsafe { std::slice::from_raw_parts(self.start.as_ptr(), self.len) }
    }
}

impl<T> DerefMut for HugePageVec<T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut [T] {
        // SAFETY: as in `deref`, and `&mut self` makes the access exclusive.
        unsafe { std::slice::from_raw_parts_mut(self.start.as_ptr(), self.len) }
    }
}

impl<T> Drop for HugePageVec<T> {
    fn drop(&mut self) {
        // SAFETY: the first `len` elements are initialised and dropped once, here; the
        // mapping is unmapped after.
        unsafe { std::ptr::drop_in_place(&mut **self as *mut [T]) };
    }
}

/// Collected into room for the iterator's lower size bound, grown as needed past it.
impl<T> FromIterator<T> for HugePageVec<T> {
    fn from_iter<I: IntoIterator<Item = T>>(values: I) -> Self {
        let values = values.into_iter();
        let mut vec = Self::with_capacity(values.size_hint().0);
        for value in values {
            vec.push(value);
        }
        vec
    }
}

impl<T: Clone> Clone for HugePageVec<T> {
    fn clone(&self) -> Self {
        self.iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use super::*;

    /// Elements keep their values through growth past several mappings, the large ones
    /// aligned to huge pages, and each is dropped exactly once.
    #[test]
    fn elements_survive_growth_and_drop_once() {
        let token = Rc::new(());
        let mut vec = HugePageVec::default();
        let count = 300_000;
        for index in 0..count {
            vec.push((index, Rc::clone(&token)));
        }
        assert_eq!(vec.len(), count);
        assert!(vec.capacity >= count);
        assert!(
            vec.iter()
                .enumerate()
                .all(|(index, value)| value.0 == index)
        );
        assert_eq!(
            vec.as_ptr() as usize % HUGE_PAGE,
            0,
            "large room is aligned"
        );
        vec[7].0 = 99;
        assert_eq!(vec[7].0, 99);
        assert_eq!(Rc::strong_count(&token), count + 1);
        drop(vec);
        assert_eq!(Rc::strong_count(&token), 1);
    }

    #[test]
    fn collected_and_cloned_vectors_hold_their_values() {
        let vec: HugePageVec<_> = std::iter::repeat_n((3u64, 4u32), 5_000).collect();
        assert_eq!(vec.len(), 5_000);
        assert!(vec.iter().all(|&entry| entry == (3, 4)));
        let copy = vec.clone();
        assert_eq!(&*copy, &*vec);
        let empty: HugePageVec<u8> = HugePageVec::with_capacity(0);
        assert!(empty.is_empty());
    }
}
