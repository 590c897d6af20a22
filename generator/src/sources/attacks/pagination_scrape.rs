//! Technique 6, pagination scraping (Venmo 2019, Parler 2021): a list endpoint read page
//! after page, page `n + 1` listing accounts `n * size ..`, usually over months and
//! through a pool that keeps each address under a rate cap. Once past the last page the
//! scraper stops.

use super::{Request, Step};
use crate::event::{Query, Route};
use crate::rng::Stream;
use crate::sources::World;

pub struct PaginationScrape {
    page_size: u64,
    /// Entries the directory lists: every account.
    entries: u64,
}

impl PaginationScrape {
    pub fn new(world: &World, page_size: u32) -> Self {
        PaginationScrape {
            page_size: u64::from(page_size.clamp(1, u32::from(u16::MAX))),
            entries: world.ids.expected_accounts(),
        }
    }
}

impl Step for PaginationScrape {
    fn request(&self, _world: &World, n: u64, _rng: &mut Stream) -> Option<Request> {
        let first = n.checked_mul(self.page_size)?;
        if first >= self.entries {
            return None;
        }
        let records = self.page_size.min(self.entries - first) as i32;
        Some(Request::read(
            Route::Directory,
            None,
            Query::Page {
                page: u32::try_from(n + 1).ok()?,
                size: self.page_size as u16,
            },
            records,
        ))
    }
}
